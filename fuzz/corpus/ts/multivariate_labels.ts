# A two-channel problem with labels and cases of different lengths.
@problemName Example
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength false
@classLabel true a b
@data
1,2,3:4,5,6:a
1,2:3,4:b
0.5,?,1.5:1,2,3:a
