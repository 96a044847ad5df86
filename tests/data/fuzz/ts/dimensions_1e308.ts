# A
@univariate false
@dimensions 
@dimensions 1e308
@dimensions  twoame Eæae a2
@equfalse
@dimensions  twoame Eæae a-c
