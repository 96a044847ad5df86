@problemName Reg
@dimensions 1
@targetLabel true
@data
1,2,3:0.5
4,5:-1.25
